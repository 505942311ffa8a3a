import type { Connection } from '@temporalio/client';
// CommonJS package: a default import works from ESM where a named one does not.
import proto from '@temporalio/proto';
import type { Logger } from 'pino';
import { SEARCH_ATTRIBUTE_NAMES } from './shared.js';

const KEYWORD = proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;

/**
 * Registers the Mail* keyword attributes where they are missing (the dev server and a self-hosted
 * cluster allow it; Temporal Cloud needs them created once with tcld or the UI). Returns whether
 * workflows may set them: upserting an unknown attribute would fail every workflow task.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string, logger: Logger): Promise<boolean> {
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = SEARCH_ATTRIBUTE_NAMES.filter((name) => !customAttributes?.[name]);
    if (missing.length) {
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing.map((n) => [n, KEYWORD])) });
      logger.info({ added: missing }, 'search attributes registered');
    }
    return true;
  } catch (err) {
    logger.warn({ err: (err as Error).message, names: SEARCH_ATTRIBUTE_NAMES }, 'search attributes unavailable: workflows run untagged');
    return false;
  }
}

/** Whether the namespace has every Mail* attribute; false when it cannot tell. Registers nothing. */
export async function hasSearchAttributes(connection: Pick<Connection, 'operatorService'>, namespace: string): Promise<boolean> {
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    return SEARCH_ATTRIBUTE_NAMES.every((name) => customAttributes?.[name]);
  } catch {
    return false;
  }
}
