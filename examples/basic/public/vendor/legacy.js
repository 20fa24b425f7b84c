// A script served as is from public/: minified only with minify.public.
window.legacyGreeting = function legacyGreeting(name) {
  var message = 'Hello, ' + name + '!'
  return message
}
