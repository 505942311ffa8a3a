import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { upsertSearchAttributes } from '@temporalio/workflow';
import type { DeliveryPlan, SearchAttributeName } from '../src/shared.js';

/** Tags this workflow for the Web UI and list queries; a no-op where the namespace lacks the attributes. */
export function tag(plan: Pick<DeliveryPlan, 'searchAttributes'>, values: Partial<Record<SearchAttributeName, string>>): void {
  if (!plan.searchAttributes) return;
  upsertSearchAttributes(
    Object.entries(values).map(([name, value]) => ({ key: defineSearchAttributeKey(name, SearchAttributeType.KEYWORD), value: value as string })),
  );
}
