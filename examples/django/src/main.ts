import { formatPrice } from './lib/format.ts'
import './style.css'

for (const el of document.querySelectorAll<HTMLElement>('[data-cents]')) {
  el.textContent = formatPrice(Number(el.dataset.cents))
}

// Loaded on demand, so not in the page's tags: the browser fetches it (and its CSS)
// from the CDN on the first click.
document.querySelector('#details')?.addEventListener('click', async () => {
  const { showDetails } = await import('./details.ts')
  showDetails(document.querySelector('#details-panel')!)
})
