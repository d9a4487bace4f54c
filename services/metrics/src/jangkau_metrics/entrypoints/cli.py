"""Command line of the metrics service: serve, migrate, replay."""

import asyncio

import typer

from jangkau_metrics.bootstrap import MIGRATIONS
from jangkau_metrics.config import MetricsSettings
from jangkau_metrics.entrypoints.replay import NotEmpty
from jangkau_metrics.entrypoints.replay import replay as run_replay
from jangkau_shared.cli import service_cli, settings_loader
from jangkau_shared.runtime import tune_gc

settings = settings_loader("metrics", MetricsSettings)
app = service_cli(
    service="metrics",
    settings=settings,
    migrations=MIGRATIONS,
    default_port=8103,
    app_factory="jangkau_metrics.entrypoints.http:create_app",
)


@app.command()
def replay(
    into: str = typer.Option(..., help="SQLAlchemy URL of an empty database to rebuild the state into."),
    max_records: int = typer.Option(2000, min=1, max=10_000, help="Events applied per transaction."),
) -> None:
    """Rebuild the state from offset 0 into a fresh store and compare it with the live one.

    Reads every partition up to the end offsets seen at start, with its own consumer group,
    then compares the two stores cell by cell. Exits 1 on any difference (printed), 2 when the
    target store is not empty. Run it while the live consumer has caught up (lag 0), or
    differences may be events the live store applied after the end offsets were taken.
    """
    loaded = settings()
    tune_gc()
    try:
        report = asyncio.run(run_replay(loaded, into=into, max_records=max_records))
    except NotEmpty as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"replayed {report.events} events ({report.rejected} not applicable) up to end offsets")
    for line in report.differences:
        typer.echo(f"DIFF {line}")
    if report.differences:
        typer.echo(f"{len(report.differences)} cells differ between the live and the rebuilt store", err=True)
        raise typer.Exit(1)
    typer.echo("rebuilt store equals the live store, cell by cell")


if __name__ == "__main__":
    app()
