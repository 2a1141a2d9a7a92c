/**
 * Turns flat query-protocol parameters (`MetricData.member.1.MetricName=x`) into nested objects and arrays
 * (`{ MetricData: [{ MetricName: 'x' }] }`). `member.N` and `entry.N` become array elements in index order.
 */
export function parseQueryParams(params: URLSearchParams): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of params) {
    const parts = key.split('.');
    let node: Record<string, unknown> = root;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] ?? '';
      const last = i === parts.length - 1;
      const next = parts[i + 1];
      if ((next === 'member' || next === 'entry') && i + 2 < parts.length) {
        // `Name.member.N…`: an array under Name, element N-1.
        const index = Number(parts[i + 2]) - 1;
        const list = (Array.isArray(node[part]) ? node[part] : []) as Record<string, unknown>[];
        node[part] = list;
        if (i + 3 === parts.length) {
          (list as unknown[])[index] = value;
          break;
        }
        list[index] ??= {};
        node = list[index] as Record<string, unknown>;
        i += 2;
        continue;
      }
      if (last) {
        node[part] = value;
      } else {
        const child = node[part];
        node[part] = typeof child === 'object' && child !== null ? child : {};
        node = node[part] as Record<string, unknown>;
      }
    }
  }
  return root;
}
