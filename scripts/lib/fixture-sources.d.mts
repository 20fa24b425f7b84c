/** Copy a framework fixture's sources to `dir`, leaving out node_modules and build output. */
export function copyFixtureSources(source: string, dir: string): Promise<void>
