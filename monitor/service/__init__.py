"""The long-running service: scheduled crawls (child processes), the daily digest, the web app."""
