// Kefu: a hint of a new notification (internal/notify, topic user:<id>) makes the header's
// bell reload its unread count (htmx listens for kefu:notification on the body). The hint
// carries no content: the count and the list always come from the server.
(function () {
  'use strict';
  if (!document.getElementById('bell') || !window.EventSource) {
    return;
  }
  var stream = new EventSource('/live/notifications');
  stream.addEventListener('notification', function () {
    document.body.dispatchEvent(new CustomEvent('kefu:notification'));
  });
})();
