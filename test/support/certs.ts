// A certificate authority and certificates made for one test run with the openssl CLI (node can
// verify certificates but not issue them). EC P-256 keys: quick to make, accepted by Go and rustls.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Ca {
  dir: string;
  cert: string;
  key: string;
  /** A certificate signed by this CA (files `name.pem` and `name.key`), for a server and/or a client. */
  issue(name: string, opts: { commonName: string; sans?: string[]; usage: ('serverAuth' | 'clientAuth')[] }): { cert: string; key: string };
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function createCa(dir: string, name: string): Ca {
  mkdirSync(dir, { recursive: true });
  const cert = path.join(dir, `${name}.pem`);
  const key = path.join(dir, `${name}.key`);
  openssl(['req', '-x509', ...EC, '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  return {
    dir,
    cert,
    key,
    issue(leaf, opts) {
      const out = { cert: path.join(dir, `${leaf}.pem`), key: path.join(dir, `${leaf}.key`) };
      const ext = path.join(dir, `${leaf}.ext`);
      const sans = opts.sans?.length ? `subjectAltName=${opts.sans.join(',')}\n` : '';
      writeFileSync(ext, `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=${opts.usage.join(',')}\n${sans}`);
      openssl(['req', ...EC, '-keyout', out.key, '-out', `${leaf}.csr`, '-subj', `/CN=${opts.commonName}`], dir);
      openssl(['x509', '-req', '-in', `${leaf}.csr`, '-CA', cert, '-CAkey', key, '-CAcreateserial', '-out', out.cert, '-days', '2', '-extfile', ext], dir);
      return out;
    },
  };
}
