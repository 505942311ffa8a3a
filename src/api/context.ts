// Values a request carries through Hono's context, typed once for every route.
declare module 'hono' {
  interface ContextVariableMap {
    /** The email's workflow id, once known: every log line of the request names it. */
    workflowId?: string;
    /** Who the rate limiter counts: `key:<index>` or `addr:<ip>`. */
    clientId?: string;
  }
}
export {};
