"""Recordings of what the agent was shown: the frames exactly as sent and an event track, never
the page's DOM nor any value, written in hash-chained chunks to a directory or an S3 bucket,
played back at ``/recordings/{uuid}`` and exported as video."""
