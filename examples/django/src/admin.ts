import { formatPrice } from './lib/format.ts'

document.querySelector('#total')?.replaceChildren(formatPrice(123456))
