/** Field paths as the API server prints them: `spec.containers[0].name` from `/spec/containers/0/name`. */

export function fieldPath(instancePath: string): string {
  let out = "";
  for (const raw of instancePath.split("/").slice(1)) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out || "<root>";
}

/** The value at a JSON pointer (`/a/0/b`) inside `root`, or undefined when the path leaves it. */
export function atPointer(root: unknown, instancePath: string): unknown {
  let cur = root;
  for (const raw of instancePath.split("/").slice(1)) {
    if (typeof cur !== "object" || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[raw.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return cur;
}
