import { formatPrice } from './lib/format.js'
import './style.css'

for (const el of document.querySelectorAll('[data-cents]')) {
  el.textContent = formatPrice(Number(el.dataset.cents))
}
