"""The newswire domain's refusals a person meets on the news pages, marked here so they
are extracted and shown translated (the domain raises them in English, as the CLI
prints them)."""

from __future__ import annotations

from node.web.i18n import N_

REFUSALS = (
    N_("news needs a title"),
    N_("the title may have at most 200 characters"),
    N_("news needs some text"),
    N_("the text may have at most 10000 characters"),
    N_("at most 10 links"),
    N_("each link must be a web address starting with https:// or http://"),
    N_("the source must be a web address starting with https:// or http://"),
    N_("the name may have at most 100 characters"),
    N_("the contact e-mail address is not valid"),
    N_("script tags are not allowed in news"),
    N_("this form was filled in by a program: the last field must stay empty"),
    N_("too many submissions from your address: try again in an hour"),
    N_("this news item is not waiting in the queue"),
    N_("this news came from an account or domain this node blocks, or its original post is "
       "gone: it cannot be published (reject it)"),
    N_("the note may have at most 1000 characters"),
    N_("this node has no Code of Conduct yet: publish one first "
       "(ionode news conduct edit --file FILE)"),
    N_("a rejection must cite a clause of the Code of Conduct"),
    N_("the Code of Conduct has no such clause"),
    N_("the document needs some text"),
    N_("the document may have at most 20000 characters"),
    N_("the document must be conduct or accountability"),
    N_("the text is the same as the current version"),
    N_("only the node's admins and news moderators may moderate the news"),
    N_("This tracking link is unknown."),
    N_("only the hub's admins and moderators may send its items to the newswire"),
    N_("that item is not published in this hub"),
    N_("this item was already sent to the newswire"),
    N_("the newswire already follows that source"),
    N_("the newswire does not follow that source"),
    N_("the newswire cannot follow itself"),
    N_("name the source: @news@other.example, an actor URL or a site URL"),
    N_("there is no such network news item"),
    N_("this item is already in the newswire"),
    # merging duplicates and news moderators (node.newswire.moderation)
    N_("a news item cannot be merged into itself"),
    N_("there is no news item of that number waiting or published to merge into"),
    N_("there is no organizer of that name on this node"),
    N_("that organizer is already a news moderator"),
    N_("that organizer is not a news moderator"),
    # blocks and the allowlist (node.newswire.blocks.service)
    N_("a block needs a public reason"),
    N_("the reason may have at most 500 characters"),
    N_("name an account (@user@host or its URL) or a domain (example.org)"),
    N_("cannot find the account %(target)s: %(reason)s"),
    N_("%(target)s is already blocked"),
    N_("%(target)s is not blocked"),
    N_("%(target)s is already on the allowlist"),
    N_("%(target)s is not on the allowlist"),
    N_("the mode must be open or allowlist"),
    N_("this node cannot block itself"),
)
