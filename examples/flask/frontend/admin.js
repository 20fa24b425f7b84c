import { formatPrice } from './lib/format.js'

document.querySelector('#total')?.replaceChildren(formatPrice(123456))
