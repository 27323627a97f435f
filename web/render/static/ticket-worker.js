// The service worker of a ticket's page (ticket.js) does one thing: a
// phone's browser shows a page's notifications only through one. A tap on
// the notification brings the ticket's page back, or opens it again.
"use strict";
self.addEventListener("notificationclick", (e) => {
  e.notification.close();
  const url = e.notification.data && e.notification.data.url;
  if (!url) {
    return;
  }
  e.waitUntil(self.clients.matchAll({type: "window", includeUncontrolled: true}).then((windows) => {
    const open = windows.find((w) => w.url === url);
    return open ? open.focus() : self.clients.openWindow(url);
  }));
});
