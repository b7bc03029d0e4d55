## The bootstrap's disarm for the Setup hook (SYSTEM\Setup SetupType back to 0).
Set-ItemProperty -Path 'HKLM:\SYSTEM\Setup' -Name SetupType -Value 0 -ErrorAction SilentlyContinue
