/**
 * The Graph delta resync request as other processes write it (the stack's EventBridge schedule
 * puts it on the work queue as JSON; ingest and the local runner build it in code): the subject
 * names the tracked resource, and request ids start with the prefix.
 */
export const GRAPH_DELTA = {
  subject: { externalId: 'microsoft-graph:users/delta' },
  requestIdPrefix: 'graph-delta',
  checkKind: 'graph-delta',
  scheduleTrigger: 'schedule',
} as const;
