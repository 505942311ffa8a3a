// The package ships no types; this is the part of its API the service uses (version 2.1.0).
declare module 'sns-payload-validator' {
  import type { Agent } from 'node:https';
  export default class Validator {
    constructor(opts?: { useCache?: boolean; maxCerts?: number; requestAgent?: Agent });
    validate(payload: string | Record<string, unknown>): Promise<Record<string, unknown>>;
  }
}
