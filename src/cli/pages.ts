// Collects every page of a KMS List* call (Marker / NextMarker), so listings are complete.

export async function allPages<T, R extends { Truncated: boolean; NextMarker?: string }>(
  call: (marker: string | undefined) => Promise<R>,
  items: (response: R) => T[],
): Promise<T[]> {
  const out: T[] = [];
  let marker: string | undefined;
  for (;;) {
    const response = await call(marker);
    out.push(...items(response));
    if (!response.Truncated || response.NextMarker === undefined) return out;
    marker = response.NextMarker;
  }
}
