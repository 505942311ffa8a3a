export interface EnhanceRequest {
  /** The workflow id: names the exchange in the log. */
  key: string;
  attempt: number;
  subject: string;
  text: string;
}

export interface Enhancer {
  readonly model: string;
  /** Returns raw (untrusted) HTML. Throws EnhanceError. */
  enhance(req: EnhanceRequest): Promise<string>;
}

export class EnhanceError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'EnhanceError';
  }
}
