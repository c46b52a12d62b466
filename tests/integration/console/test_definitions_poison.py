"""Starts the console's definitions projection cannot store: in ``workflow.inputs.dlq`` with
the reason, and the starts behind them projected."""

from __future__ import annotations

import threading
import time

from psycopg.conninfo import make_conninfo

from console_service.definitions import definition_of, project_definitions
from orderloom.events.codec import EventCodec
from orderloom.kafka.producer import EventProducer
from orderloom.projections.migrations import migrate
from orderloom.settings import OrderloomSettings, PostgresSettings
from orderloom.workflow import wire
from tests.integration.conftest import TopicMaker
from tests.integration.console.support import PgConn
from tests.integration.poison import NUL, dead_letters, produce_raw, reasons, undecodable
from tests.integration.test_executions_projection import schema_of

FLOW = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}


def test_starts_the_read_model_refuses_are_dead_lettered_and_the_next_is_projected(
    settings: OrderloomSettings, codec: EventCodec, make_topic: TopicMaker, pg: PgConn
) -> None:
    migrate(pg)
    topic = make_topic("workflow.inputs", partitions=1, dead_letter=True)
    produce_raw(settings, topic, undecodable(codec, topic, wire.start("spoiled", "W", FLOW, {})))
    producer = EventProducer(settings.kafka, codec)
    for start in (
        wire.start("nul-in-json", "W", {**FLOW, "Comment": f"a{NUL}b"}, {}),
        wire.start(f"nul-in-id{NUL}", "W", FLOW, {}),
        wire.start("fine", "W", FLOW, {}),
    ):
        producer.publish(topic, start)
    producer.flush()
    dsn = make_conninfo(settings.postgres.dsn, options=f"-c search_path={schema_of(pg)}")
    own = settings.model_copy(update={"postgres": PostgresSettings(dsn=dsn)})

    stop = threading.Event()
    thread = threading.Thread(target=project_definitions, args=(own, stop), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while definition_of(pg, "fine") is None and time.monotonic() < deadline:
            time.sleep(0.1)
        letters = dead_letters(settings, topic, 2)
        assert thread.is_alive()
    finally:
        stop.set()
        thread.join(30)

    assert definition_of(pg, "fine") == FLOW
    assert definition_of(pg, "nul-in-json") is None
    assert reasons(letters) == ["refused-by-database"] * 2
    assert sorted(x["dlq_offset"] for x in letters) == ["3", "4"]
