import './style.css'
import logoUrl from './assets/logo.png'

document.querySelector('#logo').src = logoUrl
// Resolved by Vite at build time, like an imported asset.
document.querySelector('#chart').src = new URL('./assets/chart.svg', import.meta.url).href

document.querySelector('#load').addEventListener('click', async () => {
  // A separate chunk: after a redeploy, an open tab still loads the one it was built with.
  const { describe } = await import('./lazy.js')
  document.querySelector('#lazy-result').textContent = describe()
})
