"""zhmcclient's OS message calls (list_os_messages, open_os_message_channel + NotificationReceiver,
send_os_command) against the simulator: a started partition shows its boot log and answers commands."""

import zhmcclient

from conftest import RT, Collector
FCP_PORT = "/api/adapters/a1b2c3d4-0000-4000-8000-0000000000f1/storage-ports/0"
OSA_VSWITCH = "/api/virtual-switches/a1b2c3d4-0000-4000-8000-0000000000b1"


def bootable(new_partition):
    part = new_partition()
    part.nics.create({"name": "eth0", "virtual-switch-uri": OSA_VSWITCH, "device-number": "1000"})
    hba = part.hbas.create({"name": "hba-a", "adapter-port-uri": FCP_PORT, "device-number": "1800"})
    part.update_properties({
        "boot-device": "storage-adapter",
        "boot-storage-device": hba.uri,
        "boot-world-wide-port-name": "500507680b2145f0",
        "boot-logical-unit-number": "0001000000000000",
        "boot-os-specific-parameters": "1000,0,02aabbccdd01; quiet",
    })
    return part


def texts(messages):
    return [m["message-text"] for m in messages]


# The z13 seed: its partitions boot from an FCP LUN through an HBA.
def test_list_os_messages_after_start(z13_new_partition):
    part = bootable(z13_new_partition)
    assert part.list_os_messages()["os-messages"] == []
    part.start(wait_for_completion=True)

    messages = part.list_os_messages()["os-messages"]
    log = texts(messages)
    assert log[0] == "IPL from FCP device 0.0.1800 WWPN 0x500507680b2145f0 LUN 0x0001000000000000"
    assert ("Kernel command line: root=/dev/disk/by-label/cloudimg-rootfs ro console=ttysclp0 "
            "1000,0,02aabbccdd01; quiet") in log
    assert "qeth 0.0.1000 enc1000: MAC address 02:aa:bb:cc:dd:01 successfully registered" in log
    login = messages[-1]
    assert login["message-text"] == f"{part.name} login: "
    assert login["is-held"] is True and login["prompt-text"] == login["message-text"]
    for m in messages:
        assert set(m) >= {"sequence-number", "message-id", "message-text", "is-priority", "is-held",
                          "is-refresh", "prompt-text", "os-name", "timestamp"}

    # zhmcclient's end-to-end test: begin/end select exactly that range.
    first, last = messages[0]["sequence-number"], messages[-1]["sequence-number"]
    assert part.list_os_messages(begin=first, end=last)["os-messages"] == messages
    subset = part.list_os_messages(begin=first + 2, end=first + 4)["os-messages"]
    assert subset == messages[2:5]


def test_send_os_command_and_os_message_channel(sim_z13, z13_session, z13_new_partition):
    sim, session = sim_z13, z13_session
    part = bootable(z13_new_partition)
    part.start(wait_for_completion=True)
    booted = part.list_os_messages()["os-messages"]

    topic = part.open_os_message_channel(include_refresh_messages=True)
    topics = session.get_notification_topics()
    assert {"topic-type": "os-message-notification", "topic-name": topic, "object-uri": part.uri,
            "include-refresh-messages": True} in topics

    receiver = zhmcclient.NotificationReceiver(
        topic, sim.host, session.session_id, session.session_credential,
        port=sim.stomp_port, verify_cert=sim.ca_path, stomp_rt_config=RT)
    collector = Collector(receiver)
    received = collector.items

    def os_messages():
        return [m for h, body in received if h["notification-type"] == "os-message"
                for m in body["os-messages"]]

    try:
        # Refresh messages: what the HMC kept, resent when the subscription starts.
        assert collector.wait_for(lambda _: len(os_messages()) >= len(booted)), (received, collector.error)
        refresh = os_messages()[:len(booted)]
        assert texts(refresh) == texts(booted)
        assert all(m["is-refresh"] for m in refresh)
        headers = received[0][0]
        assert headers["object-uri"] == part.uri and headers["class"] == "partition"

        part.send_os_command("hostname")
        assert collector.wait_for(lambda _: part.name in texts(os_messages())), (received, collector.error)
        live = [m for m in os_messages() if not m["is-refresh"]]
        assert texts(live) == [f"root@{part.name}:~# hostname", part.name, f"root@{part.name}:~# "]
        assert live[0]["sequence-number"] == booted[-1]["sequence-number"] + 1

        part.send_os_command("uname -a", is_priority=True)
        listed = part.list_os_messages(begin=live[-1]["sequence-number"] + 1)["os-messages"]
        assert listed[0]["message-text"] == f"root@{part.name}:~# uname -a"
        assert listed[0]["is-priority"] is True
        assert listed[1]["message-text"].startswith(f"Linux {part.name} ")
    finally:
        collector.close()


def test_send_os_command_to_stopped_partition_is_409_332(new_partition):
    part = new_partition()
    try:
        part.send_os_command("hostname")
        raise AssertionError("send_os_command to a stopped partition succeeded")
    except zhmcclient.HTTPError as exc:
        assert (exc.http_status, exc.reason) == (409, 332)
