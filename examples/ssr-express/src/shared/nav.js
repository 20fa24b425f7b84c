// Shared by the server (to render) and both pages (to enhance): in the client build
// it becomes a chunk of its own, with nav.css attached, that both entries import.
import './nav.css'

export const PAGES = [
  { path: '/', label: 'Home' },
  { path: '/about', label: 'About' },
]

export function navHtml(current) {
  const links = PAGES.map(({ path, label }) => `<a href="${path}"${path === current ? ' aria-current="page"' : ''}>${label}</a>`)
  return `<nav>${links.join('')}</nav>`
}

/** Client side: mark the nav as enhanced (the server HTML already works without it). */
export function enhanceNav() {
  document.querySelector('nav')?.setAttribute('data-enhanced', '')
}
