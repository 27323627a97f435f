// A ticket's page follows the queue from the server's stream of the
// ticket (Server-Sent Events) instead of reloading itself: its place, its
// wait and, once called, its desk, with a sound, a vibration and, if its
// holder allowed it, a notification, so that people can wait outside the
// room. At the kiosk it goes back to the start after a while, unless asked
// to stay. Every word comes from the page or the stream, in the page's
// language.
"use strict";
(function () {
  const root = document.getElementById("ticket");
  if (!root) {
    return;
  }
  const el = (id) => document.getElementById(id);

  // The kiosk shows a new ticket, then is ready for the next person; the
  // person in front of it may keep the number on screen (WCAG 2.2.1).
  if (root.dataset.kiosk) {
    document.querySelectorAll("noscript").forEach((n) => n.remove());
    const box = el("kiosk-return");
    const timer = window.setTimeout(() => window.location.assign(root.dataset.kiosk), Number(root.dataset.return) * 1000);
    box.hidden = false;
    el("kiosk-stay").addEventListener("click", () => {
      window.clearTimeout(timer);
      box.hidden = true;
      el("kiosk-done").focus();
    });
    return;
  }
  if (!root.dataset.events || !window.EventSource) {
    return;
  }
  // The reload and its note for browsers without script (<noscript>) are
  // inert here: gone from the page, they are gone for anyone who reads
  // the page's markup.
  document.querySelectorAll("noscript").forEach((n) => n.remove());
  const live = el("ticket-live");
  live.hidden = false;

  // Sound: a browser lets a page play one only after a touch or a key, so
  // the first one unlocks it (a blocked start would otherwise be an error
  // in the console, and no sound).
  let audio = null;
  const unlock = () => {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) {
      audio = new Context();
    } else if (audio && audio.state === "suspended") {
      audio.resume().catch(() => {});
    }
  };
  document.addEventListener("pointerdown", unlock);
  document.addEventListener("keydown", unlock);
  const beep = () => {
    if (!audio || audio.state !== "running") {
      return;
    }
    const start = audio.currentTime;
    for (const at of [0, 0.3, 0.6]) {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, start + at);
      gain.gain.exponentialRampToValueAtTime(0.4, start + at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + at + 0.22);
      tone.connect(gain).connect(audio.destination);
      tone.start(start + at);
      tone.stop(start + at + 0.25);
    }
  };
  // Vibration, too, only after the page was touched: otherwise the
  // browser refuses it with a warning.
  const vibrate = () => {
    if (navigator.vibrate && (!navigator.userActivation || navigator.userActivation.hasBeenActive)) {
      navigator.vibrate([400, 200, 400]);
    }
  };

  // Notifications, if the holder asks for them. A phone shows them only
  // through a service worker (ticket-worker.js), which does nothing else.
  const notifyState = el("notify-state");
  let registered = false;
  const register = () => {
    if ("serviceWorker" in navigator && !registered) {
      registered = true;
      navigator.serviceWorker.register(root.dataset.worker).catch((e) => {
        console.error("ticket: no notifications:", String(e));
        registered = false;
      });
    }
  };
  // The registration's worker shows the notification once it is active.
  // It is looked up when a call comes, not followed through its state
  // changes, whose events Chromium may send before the registration's
  // active worker is set: a page waiting for them could wait forever. A
  // worker still installing is given some seconds; without one, the page
  // shows the notification itself where the browser allows it.
  const showNotification = (title, options, tries) => {
    const fallback = () => {
      try {
        new Notification(title, options);
      } catch (e) {
        throw new Error("no service worker is active to show it");
      }
    };
    if (!("serviceWorker" in navigator)) {
      return Promise.resolve().then(fallback);
    }
    return navigator.serviceWorker.getRegistration(root.dataset.worker).then((r) => {
      if (r && r.active) {
        return r.showNotification(title, options);
      }
      if (tries > 0) {
        return new Promise((wait) => window.setTimeout(wait, 250)).then(() => showNotification(title, options, tries - 1));
      }
      return fallback();
    });
  };
  const allowed = (permission) => {
    el("notify-box").hidden = permission !== "default";
    notifyState.textContent = permission === "granted" ? live.dataset.notifyOn : permission === "denied" ? live.dataset.notifyBlocked : "";
    if (permission === "granted") {
      register();
    }
  };
  if (window.Notification) {
    allowed(Notification.permission);
    el("notify").addEventListener("click", () => {
      unlock();
      Promise.resolve(Notification.requestPermission()).then(allowed, () => {});
    });
  }
  const notify = (t) => {
    if (!window.Notification || Notification.permission !== "granted") {
      return;
    }
    const title = t.number + " · " + t.desk_name;
    const options = {body: t.status, tag: "ticket", renotify: true, requireInteraction: true,
      icon: root.dataset.icon, data: {url: window.location.href}};
    showNotification(title, options, 40).catch((e) => console.error("ticket: notification not shown:", String(e)));
  };

  let calls = root.dataset.state === "called" ? Number(root.dataset.calls) : 0;
  let events = null;
  const show = (e) => {
    const t = JSON.parse(e.data);
    el("ticket-state").textContent = t.status;
    el("ticket-desk").textContent = t.desk_name;
    el("ticket-desk").hidden = t.desk_name === "";
    root.classList.toggle("at-desk", t.desk_name !== "");
    el("position").textContent = t.position;
    el("wait").textContent = t.wait;
    el("ticket-place").hidden = t.position === 0;
    el("ticket-estimate").hidden = t.position === 0;
    root.dataset.state = t.state;
    // A call, or a call again, is told at once, however the page is
    // looked at: on the screen, by ear, in the pocket, from the lock
    // screen.
    if (t.state === "called" && t.calls > calls) {
      beep();
      vibrate();
      notify(t);
    }
    calls = t.state === "called" ? t.calls : 0;
    if (t.final) {
      events.close();
      live.hidden = true;
    }
  };
  // EventSource tries again after a broken connection, but not after a
  // refusal (too many streams open, the server shutting down, a proxy's
  // error): then the stream is opened again later, every data-reload
  // seconds, and its first state brings the page up to date.
  const listen = () => {
    events = new EventSource(root.dataset.events);
    events.addEventListener("ticket", show);
    events.addEventListener("error", () => {
      if (events.readyState === EventSource.CLOSED) {
        window.setTimeout(listen, Number(root.dataset.reload) * 1000);
      }
    });
  };
  listen();
})();
