import './details.css'

export function showDetails(panel: Element): void {
  panel.classList.add('details')
  panel.textContent = 'Ships in 2 days.'
}
