"""Background work of the observatory (arguments are plain values: tasks may run elsewhere)."""

from django.tasks import task

from bonnefoi.observatory import refresh


def refresh_and_watch(*, full: bool = False, everything: bool = False) -> dict:
    """Rebuild the aggregates, then look for spikes in the weekly counts (alerts go to the
    quality managers by e-mail, through the worker)."""
    from bonnefoi.observatory.spikes import detect_spikes  # spikes reads the new aggregates

    result = refresh.rebuild(full=full, everything=everything)
    alerts = detect_spikes()
    return {
        "kind": str(result.kind),
        "days": len(result.case_days),
        "periods": sum(len(starts) for starts in result.periods.values()),
        "rows": result.rows,
        "tree_changed": result.tree_changed,
        "alerts": len(alerts),
    }


@task
def refresh_observatory(full: bool = False) -> dict:
    return refresh_and_watch(full=full)
