import { enhanceNav } from '../shared/nav.js'
import './home.css'

enhanceNav()

let count = Number(document.querySelector('#counter')?.textContent ?? 0)
document.querySelector('#increment')?.addEventListener('click', () => {
  document.querySelector('#counter').textContent = String(++count)
})

document.querySelector('#clock')?.addEventListener('click', async () => {
  // Loaded on demand from the CDN: not in the page's tags, not preloaded.
  const { now } = await import('../widgets/clock.js')
  document.querySelector('#time').textContent = now()
})
