import type { Client, Connection } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { hasSearchAttributes } from '../search-attributes.js';
import { recipientDomain } from '../shared.js';

const RECHECK_MS = 60_000;
const KIND = defineSearchAttributeKey('MailKind', SearchAttributeType.KEYWORD);
const DOMAIN = defineSearchAttributeKey('MailRecipientDomain', SearchAttributeType.KEYWORD);

/**
 * The search attributes an email's workflow starts with. Set in the start request they cost no
 * upsert, and so no visibility write of its own; none where the namespace lacks them (asked again
 * after a minute), and the workflow then tags itself if it can.
 */
export function startTags(client: Client): (to: string) => Promise<SearchAttributePair[] | undefined> {
  const available = attributesAvailable(client);
  return async (to) => ((await available()) ? [{ key: KIND, value: 'message' }, { key: DOMAIN, value: recipientDomain(to) }] : undefined);
}

/** MailKind alone, for a workflow that is not one email (a POST /messages batch). */
export function kindTag(client: Client, kind: string): () => Promise<SearchAttributePair[] | undefined> {
  const available = attributesAvailable(client);
  return async () => ((await available()) ? [{ key: KIND, value: kind }] : undefined);
}

function attributesAvailable(client: Client): () => Promise<boolean> {
  let known: Promise<boolean> | undefined;
  let checkedAt = 0;
  return async () => {
    if (!known || (Date.now() - checkedAt > RECHECK_MS && !(await known))) {
      checkedAt = Date.now();
      known = hasSearchAttributes(client.connection as Connection, client.options.namespace);
    }
    return known;
  };
}
