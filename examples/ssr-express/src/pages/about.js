import { enhanceNav } from '../shared/nav.js'

enhanceNav()
document.querySelector('#release')?.setAttribute('title', 'the release this page was rendered with')
