"""The moderation queue: news moderators approve (maybe edited) or reject citing a clause."""
