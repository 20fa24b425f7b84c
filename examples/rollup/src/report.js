export function renderReport({ title, items }) {
  const lines = items.map((item, index) => `${index + 1}. ${item}`)
  return [title, ...lines].join('\n')
}
