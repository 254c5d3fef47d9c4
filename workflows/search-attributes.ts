import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Keyword attributes an on-call engineer filters by in the Temporal Web UI, e.g.
//   MedicService = "checkout-api" AND MedicStatus = "awaiting-human"
// They must be registered on the server (`medic dev` does it; see README for clusters).
export const MedicService = defineSearchAttributeKey('MedicService', SearchAttributeType.KEYWORD);
export const MedicAlert = defineSearchAttributeKey('MedicAlert', SearchAttributeType.KEYWORD);
export const MedicSeverity = defineSearchAttributeKey('MedicSeverity', SearchAttributeType.KEYWORD);
export const MedicStatus = defineSearchAttributeKey('MedicStatus', SearchAttributeType.KEYWORD);
export const MedicPlaybook = defineSearchAttributeKey('MedicPlaybook', SearchAttributeType.KEYWORD);
export const MedicFingerprint = defineSearchAttributeKey('MedicFingerprint', SearchAttributeType.KEYWORD);

export const MEDIC_SEARCH_ATTRIBUTES = [
  MedicService,
  MedicAlert,
  MedicSeverity,
  MedicStatus,
  MedicPlaybook,
  MedicFingerprint,
] as const;
