import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { DeliveryPlan, SearchAttributeName } from '../src/shared.js';

/** Tags this workflow for the Web UI and list queries; a no-op where the namespace lacks the attributes. */
export function tag(plan: Pick<DeliveryPlan, 'searchAttributes'>, values: Partial<Record<SearchAttributeName, string>>): void {
  if (!plan.searchAttributes) return;
  upsertSearchAttributes(
    Object.entries(values).map(([name, value]) => ({ key: defineSearchAttributeKey(name, SearchAttributeType.KEYWORD), value: value as string })),
  );
}

/** Whether the start request already set this attribute (the API tags emails as it starts them). */
export function taggedAtStart(name: SearchAttributeName): boolean {
  return workflowInfo().typedSearchAttributes.get(defineSearchAttributeKey(name, SearchAttributeType.KEYWORD)) !== undefined;
}
