// Shared by both entries: Vite puts it (and its CSS) in a chunk of its own.
import './format.css'

export function formatPrice(cents: number, currency = 'EUR'): string {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).format(cents / 100)
}
