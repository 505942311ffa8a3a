import type { Sql } from './client.js';

/**
 * Demo data: one owner, one project, and tasks that show each rule of the sweep. After one
 * `temporal schedule trigger --schedule-id due-task-sweep`, exactly two reminders arrive.
 */
export async function seedDemo(sql: Sql, ownerEmail: string, now = new Date()): Promise<{ projectId: string; taskIds: string[] }> {
  const hours = (h: number) => new Date(now.getTime() + h * 3_600_000);
  return sql.begin(async (tx) => {
    const [user] = await tx`INSERT INTO users (email, name) VALUES (${ownerEmail}, 'Demo Owner') RETURNING id`;
    const [project] = await tx`INSERT INTO projects (name, owner_id) VALUES ('Demo project', ${user!.id}) RETURNING id`;
    const tasks = [
      { title: 'Write the report (due in 2 h: reminded)', due: hours(2), completed: false, notified: false },
      { title: 'Book the room (due in 20 h: reminded)', due: hours(20), completed: false, notified: false },
      { title: 'Send the invoice (completed: not reminded)', due: hours(3), completed: true, notified: false },
      { title: 'Call the client (already notified: not reminded)', due: hours(5), completed: false, notified: true },
      { title: 'Plan next quarter (due in 3 days: not yet)', due: hours(72), completed: false, notified: false },
    ];
    const ids: string[] = [];
    for (const t of tasks) {
      const [row] = await tx`
        INSERT INTO tasks (project_id, title, due_at, is_completed, notification_sent)
        VALUES (${project!.id}, ${t.title}, ${t.due}, ${t.completed}, ${t.notified}) RETURNING id`;
      ids.push(String(row!.id));
    }
    return { projectId: String(project!.id), taskIds: ids };
  });
}
