// The waiting-room display keeps itself current from the server's stream
// of the center's queue (Server-Sent Events). It only fills in numbers and
// desks; every word comes from the page, in its language.
"use strict";
(function () {
  const root = document.getElementById("display");
  if (!root || !window.EventSource) {
    return;
  }
  // The reload for browsers without script (<noscript>) is inert here:
  // gone from the page, it is gone for anyone who reads the page's markup.
  document.querySelectorAll("noscript").forEach((n) => n.remove());
  const deskLabel = document.getElementById("desk-label").innerHTML;
  const desk = (d) => deskLabel.replace("{}", d);
  const item = (t, arrow) => {
    const li = document.createElement("li");
    const n = document.createElement("span");
    n.className = "number";
    n.textContent = t.number;
    li.append(n, " ");
    if (arrow) {
      const a = document.createElement("span");
      a.className = "arrow";
      a.setAttribute("aria-hidden", "true");
      a.textContent = "→";
      li.append(a, " ");
    }
    const d = document.createElement("span");
    d.className = "desk";
    d.textContent = desk(t.desk);
    li.append(d);
    return li;
  };
  const wait = (m) => {
    if (m === null) {
      return root.dataset.waitNone;
    }
    return m === 0 ? root.dataset.waitZero : root.dataset.wait.replace("{}", m);
  };
  // A call (or a call again) stands out for a while, so that people who
  // look up see which number is new.
  const key = (t) => t.number + " " + t.called_at;
  let shown = new Set(Array.from(document.querySelectorAll("#at-desks li"), (li) => li.dataset.call));
  const show = (e) => {
    const q = JSON.parse(e.data);
    const desks = q.at_desks.map((t) => {
      const li = item(t, true);
      li.dataset.call = key(t);
      if (!shown.has(key(t))) {
        li.className = "new";
        window.setTimeout(() => li.classList.remove("new"), 15000);
      }
      return li;
    });
    shown = new Set(q.at_desks.map(key));
    document.getElementById("at-desks").replaceChildren(...desks);
    document.getElementById("nobody").hidden = q.at_desks.length > 0;
    document.getElementById("last-calls").replaceChildren(...q.last_calls.map((t) => item(t, false)));
    document.getElementById("wait").textContent = wait(q.estimated_wait_minutes);
    root.dataset.updated = String(Date.now());
  };
  // EventSource tries again after a broken connection, but not after a
  // refusal (too many streams open, the server shutting down, a proxy's
  // error): then the stream is opened again later, every data-reload
  // seconds, and its first state brings the display up to date. The page
  // itself stays, whether or not the server answers meanwhile.
  const listen = () => {
    const events = new EventSource(root.dataset.events);
    events.addEventListener("queue", show);
    events.addEventListener("error", () => {
      if (events.readyState === EventSource.CLOSED) {
        window.setTimeout(listen, Number(root.dataset.reload) * 1000);
      }
    });
  };
  listen();
})();
