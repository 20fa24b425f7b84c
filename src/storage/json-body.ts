/**
 * The tool's own JSON objects (ledger, journal, release records) as a request
 * body: compact JSON in one Buffer, built in slices. A ledger of 100,000 files
 * is ~25 MB; `JSON.stringify(ledger, null, 2)` made a 33 MB string, which the
 * SDK copied into a Buffer of the same size again, and the 100,000-file first
 * deploy peaked at 670 MB (bench `huge`). The same JSON values, without the
 * indentation: readers parse it (the format is unchanged).
 */

/** Objects and arrays with more members than this are written member by member. */
const WIDE = 64
/** Text gathered before it is encoded into the body. */
const SLICE = 64 * 1024

export function jsonBody(value: unknown): Buffer {
  const parts: Buffer[] = []
  let pending = ''
  const emit = (text: string) => {
    pending += text
    if (pending.length >= SLICE) {
      parts.push(Buffer.from(pending))
      pending = ''
    }
  }
  const write = (v: unknown): void => {
    if (Array.isArray(v) && v.length > WIDE) {
      emit('[')
      v.forEach((item, i) => {
        if (i > 0) emit(',')
        write(item === undefined || typeof item === 'function' || typeof item === 'symbol' ? null : item)
      })
      emit(']')
      return
    }
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { toJSON?: unknown }).toJSON !== 'function') {
      const keys = Object.keys(v)
      if (keys.length > WIDE) {
        emit('{')
        let first = true
        for (const key of keys) {
          const member = (v as Record<string, unknown>)[key]
          if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue
          emit(`${first ? '' : ','}${JSON.stringify(key)}:`)
          write(member)
          first = false
        }
        emit('}')
        return
      }
    }
    emit(JSON.stringify(v) ?? 'null')
  }
  write(value)
  emit('\n')
  parts.push(Buffer.from(pending))
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts)
}
