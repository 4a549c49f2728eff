"""zhmcclient's NotificationReceiver (STOMP over TLS) against the simulator's broker."""

import threading
import time

import zhmcclient

from conftest import PASSWORD, USERID

# Short heart-beat receive cycle: the receiver checks its queue (and the stop event) every 2 s.
RT = zhmcclient.StompRetryTimeoutConfig(heartbeat_receive_cycle=1.0)


class Collector:
    """Runs receiver.notifications() in a thread and keeps what arrives (and what ended the thread)."""

    def __init__(self, receiver):
        self.receiver = receiver
        self.items = []
        self.error = None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        for attempt in range(3):
            try:
                for headers, message in self.receiver.notifications(stop_event=self.stop):
                    self.items.append((headers, message))
                return
            except zhmcclient.NotificationConnectionError as e:
                # stomp.py 8.x reads and writes one SSL socket from two threads; CPython's ssl can then fail
                # the read at once (python/cpython#77271): about 1 connect in 1000, nothing reaches the HMC.
                # zhmcclient's users repeat the connect, as here.
                if attempt == 2 or self.stop.is_set():
                    self.error = e
                    return
            except Exception as e:  # kept for the assertion message
                self.error = e
                return

    def wait_connected(self, sim, timeout=60):
        """Until the receiver is connected and has subscribed (its SUBSCRIBE frames follow CONNECTED)."""
        deadline = time.time() + timeout
        while not self.receiver.is_connected():
            assert self.error is None and time.time() < deadline, (
                f"not connected: {self.error!r}\nsimulator log:\n{sim.log_tail()}")
            time.sleep(0.05)
        time.sleep(0.5)

    def wait_for(self, predicate, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline and self.error is None:
            if predicate(self.items):
                return True
            time.sleep(0.05)
        return predicate(self.items)

    def close(self):
        self.stop.set()  # without it, notifications() may raise "Lost STOMP connection" on close
        self.receiver.close()
        self.thread.join(10)


def test_status_change_and_job_completion(sim, session, new_partition):
    part = new_partition(**{"boot-device": "storage-adapter"})
    receiver = zhmcclient.NotificationReceiver(
        [session.object_topic, session.job_topic], sim.host, session.session_id,
        session.session_credential, port=sim.stomp_port, verify_cert=sim.ca_path, stomp_rt_config=RT)
    collector = Collector(receiver)
    try:
        collector.wait_connected(sim)
        job = part.start(wait_for_completion=False)

        def statuses(items):
            return [m["change-reports"][0]["new-status"] for h, m in items
                    if h["notification-type"] == "status-change" and h["object-uri"] == part.uri]

        def done(items):
            return "active" in statuses(items) and any(
                h["notification-type"] == "job-completion" and h["job-uri"] == job.uri for h, _ in items)

        assert collector.wait_for(done), (collector.items, collector.error)
        assert statuses(collector.items)[:2] == ["starting", "active"]
        job_items = [(h, m) for h, m in collector.items if h["notification-type"] == "job-completion"]
        assert job_items[0][1] is None  # empty body
        change = [h for h, _ in collector.items if h["notification-type"] == "status-change"][0]
        assert change["class"] == "partition"
        assert change["object-id"] == part.get_property("object-id")
        seqs = [int(h["session-sequence-nr"]) for h, _ in collector.items
                if h["destination"] == "/topic/" + session.object_topic]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        job.wait_for_completion()
    finally:
        collector.close()


def test_property_and_inventory_changes_with_userid_login(sim, session, cpc, new_partition):
    receiver = zhmcclient.NotificationReceiver(
        session.object_topic, sim.host, USERID, PASSWORD, port=sim.stomp_port, verify_cert=sim.ca_path, stomp_rt_config=RT)
    collector = Collector(receiver)
    try:
        collector.wait_connected(sim)
        part = new_partition()
        part.update_properties({"description": "notified"})

        def seen(items):
            kinds = {(h["notification-type"], h.get("action")) for h, _ in items if h["object-uri"] == part.uri}
            return ("inventory-change", "add") in kinds and ("property-change", None) in kinds

        assert collector.wait_for(seen), (collector.items, collector.error)
        reports = [m["change-reports"] for h, m in collector.items
                   if h["notification-type"] == "property-change" and h["object-uri"] == part.uri][0]
        assert reports == [{"property-name": "description", "old-value": "", "new-value": "notified"}]
    finally:
        collector.close()


def test_many_receivers_connect_without_hanging(sim, session):
    """stomp.py 8.x (what zhmcclient 1.26 requires) reads in one thread while it writes CONNECT in another; against
    a TLS 1.3 listener, whose session tickets arrive after the handshake, 3 to 7 connects in 100 never got CONNECTED.
    A connect that fails at once (the Collector's note) is not a hang and is only reported."""
    hung, failed = [], []
    for i in range(100):
        receiver = zhmcclient.NotificationReceiver(
            session.object_topic, sim.host, session.session_id, session.session_credential,
            port=sim.stomp_port, verify_cert=sim.ca_path, stomp_rt_config=RT)
        done = threading.Event()
        errors = []

        def connect():
            try:
                receiver.connect()
            except Exception as e:  # kept for the assertion message
                errors.append(e)
            done.set()

        threading.Thread(target=connect, daemon=True).start()
        if not done.wait(10):
            hung.append(i)
        elif errors:
            failed.append((i, errors))
        receiver.close()
    assert hung == [], f"{len(hung)} of 100 connects got no CONNECTED in 10 s: {hung}; failed at once: {failed}\n{sim.log_tail()}"
