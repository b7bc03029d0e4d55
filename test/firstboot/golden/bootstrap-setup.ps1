$m = 'setup'
$k = 'HKLM:\SOFTWARE\p2vfix\FirstBoot'
$r = Get-ItemProperty -Path $k -Name Runner -ErrorAction SilentlyContinue
if ($r -ne $null -and $r.Runner) {
  Invoke-Expression $r.Runner
} else {
  Set-ItemProperty -Path 'HKLM:\SYSTEM\Setup' -Name SetupType -Value 0 -ErrorAction SilentlyContinue
}