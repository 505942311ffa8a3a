import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { infra } from './env.js';

export const SES_VARS = {
  MAIL_PROVIDER: 'ses',
  AWS_SES_REGION_ENDPOINT: infra.sesEndpoint,
  AWS_SES_REGION_NAME: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIATESTTESTTEST',
  AWS_SECRET_ACCESS_KEY: 'test-secret-key-never-logged',
};

export async function verifySesIdentity(identity: string): Promise<void> {
  const ses = new SESv2Client({
    region: 'us-east-1',
    endpoint: infra.sesEndpoint,
    credentials: { accessKeyId: SES_VARS.AWS_ACCESS_KEY_ID, secretAccessKey: SES_VARS.AWS_SECRET_ACCESS_KEY },
  });
  await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: identity }));
  ses.destroy();
}

export interface SesRawMessage {
  id: string;
  source: string;
  destinations: string[];
  raw_data: string;
}

/** What the emulator accepted (moto keeps SES v2 sends in its v1 backend). */
export async function sesSentMessages(): Promise<SesRawMessage[]> {
  const res = await fetch(`${infra.sesEndpoint}/moto-api/data.json`);
  const data = (await res.json()) as { ses?: { RawMessage?: SesRawMessage[] } };
  return data.ses?.RawMessage ?? [];
}
