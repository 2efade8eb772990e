// Limit/Marker pagination of the List* operations. The marker is the position of the next
// entry, opaque to callers; a marker that is not one this service returned is refused.

import { ValidationException } from './errors.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 100;

export function paginate<T>(
  items: T[],
  request: { Limit?: unknown; Marker?: unknown },
): { page: T[]; NextMarker?: string; Truncated: boolean } {
  const limit = request.Limit ?? DEFAULT_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new ValidationException(`Limit must be an integer from 1 to ${MAX_LIMIT}, got ${String(limit)}`);
  }
  let start = 0;
  if (request.Marker !== undefined) {
    const m = typeof request.Marker === 'string' ? /^p(\d+)$/.exec(request.Marker) : null;
    if (m === null)
      throw new ValidationException(`Marker ${JSON.stringify(request.Marker)} is not a marker this service returned`);
    start = Number(m[1]);
  }
  const page = items.slice(start, start + limit);
  const next = start + limit;
  return next < items.length ? { page, NextMarker: `p${next}`, Truncated: true } : { page, Truncated: false };
}
