# SPDX-License-Identifier: BSD-3-Clause
"""Whether a vspin-traffic run's loss count can be trusted.

The sink counts loss exactly only from the generator's end-of-stream,
which carries how many packets each queue sent. Without it (the PMD
never took it from the generator, or never delivered it) the sink can
only guess from the highest sequence number it saw: a data path that
stalled halfway, or delivered nothing, then reads "lost 0". Packets on
the wrong rx queue, or not the generator's, frames of the wrong length
and packets after an end-of-stream are not counted as loss either. Such
a run is a failed run, not a run without loss.

    err = accounting_error(gen_report, sink_report)   # None, or why
"""


def accounting_error(gen, sink):
    if not gen.get("eos_sent"):
        return ("the PMD never took the generator's end-of-stream (the "
                "data path stalled): loss not counted")
    if not sink.get("eos"):
        return ("the sink never received the end-of-stream: its loss "
                "count (%d) is a guess" % sink.get("lost", 0))
    if sink["expected"] != gen["sent"]:
        return ("the end-of-stream says %d packets, the generator sent %d"
                % (sink["expected"], gen["sent"]))
    if sink.get("misrouted") or sink.get("foreign_packets"):
        return ("%d packets on the wrong rx queue, %d not the generator's"
                % (sink.get("misrouted", 0), sink.get("foreign_packets", 0)))
    if sink.get("bad_length") or sink.get("after_eos"):
        return ("%d frames of the wrong length, %d packets after an "
                "end-of-stream" % (sink.get("bad_length", 0),
                                   sink.get("after_eos", 0)))
    if sink.get("beyond_eos") or sink.get("bad_payload"):
        return ("%d numbers the generator never sent, %d payloads not "
                "as sent" % (sink.get("beyond_eos", 0),
                             sink.get("bad_payload", 0)))
    unique = sink["data_packets"] - sink["duplicates"]
    if unique > sink["expected"]:
        return ("%d distinct packets received, %d sent"
                % (unique, sink["expected"]))
    return None
