// The cluster the tests run on with `npm run test:cluster` (or TEST_SERVER=cluster): the server
// binary the project builds (scripts/tools.mjs), on the config file docker-compose.yml mounts too.
import path from 'node:path';
import { ensureTemporalServer, ROOT, TEMPORAL_SERVER_VERSION } from '../../scripts/tools.mjs';
import { startCluster, type Cluster, type ClusterOptions } from '../../src/dev/cluster.js';

export const CLUSTER_CONFIG_FILE = path.join(ROOT, 'deploy/temporal/config.yaml');
export const CLUSTER_DYNAMIC_CONFIG_FILE = path.join(ROOT, 'deploy/temporal/dynamicconfig.yaml');
export { TEMPORAL_SERVER_VERSION };

export type TestServer = 'dev' | 'cluster';

/** `--server cluster` on the command line, else TEST_SERVER, else the dev server. */
export function testServerKind(argv: string[], fromEnv = process.env.TEST_SERVER): { kind: TestServer; rest: string[] } {
  const rest = [...argv];
  let kind = fromEnv ?? 'dev';
  const i = rest.findIndex((a) => a === '--server' || a.startsWith('--server='));
  if (i >= 0) {
    const [flag] = rest.splice(i, 1);
    kind = flag!.includes('=') ? flag!.split('=')[1]! : (rest.splice(i, 1)[0] ?? '');
  }
  if (kind !== 'dev' && kind !== 'cluster') throw new Error(`--server must be dev or cluster, not "${kind}"`);
  return { kind, rest };
}

export async function startTestCluster(opts: Pick<ClusterOptions, 'dir' | 'serverEnv' | 'connection' | 'log'>): Promise<Cluster> {
  const bins = ensureTemporalServer({ serverPath: process.env.TEMPORAL_SERVER_PATH, sqlToolPath: process.env.TEMPORAL_SQL_TOOL_PATH });
  return startCluster({ ...opts, server: bins.server, sqlTool: bins.sqlTool, schemaDir: bins.schemaDir, configFile: CLUSTER_CONFIG_FILE, dynamicConfigFile: CLUSTER_DYNAMIC_CONFIG_FILE });
}
