import type { ServiceCard } from './model.ts';

export const CARD_JSON_FORMAT = 'asrfair-service-card';
export const CARD_JSON_VERSION = 1;

/** The card as JSON; suppressed values are null, non-finite numbers (an infinite ratio) become null. */
export function renderJson(card: ServiceCard): string {
  return JSON.stringify({ format: CARD_JSON_FORMAT, formatVersion: CARD_JSON_VERSION, ...card }, null, 2) + '\n';
}
