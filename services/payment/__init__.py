"""Payment: fees, online payments through the payment platform, financial obligations (status 6),
refunds and reconciliation."""
