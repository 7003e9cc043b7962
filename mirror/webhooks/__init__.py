"""Webhooks: signed POSTs to the contact centre's URL when sessions and chats start and end."""
