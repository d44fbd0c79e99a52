"""The reports' refusals a person meets on the report and reports-queue pages, marked
here so they are extracted and shown translated (the domain raises them in English, as
the CLI prints them)."""

from __future__ import annotations

from node.web.i18n import N_

REFUSALS = (
    N_("choose a reason for the report"),
    N_("the comment may have at most 1000 characters"),
    N_("there is nothing to report at that address on this node"),
    N_("too many reports from your address: try again in an hour"),
    N_("there is no such report"),
    N_("this report is already decided"),
    N_("the action must be removed or forwarded"),
    N_("only this node's items can be removed; remote content is for its origin's "
       "moderators: choose forwarded"),
    N_("the report names no item of this node to remove"),
    N_("forwarded is for remote content; this report is about this node's own"),
)
