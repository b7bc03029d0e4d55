$m = 'service'
$k = 'HKLM:\SOFTWARE\p2vfix\FirstBoot'
$r = Get-ItemProperty -Path $k -Name Runner -ErrorAction SilentlyContinue
if ($r -ne $null -and $r.Runner) {
  Invoke-Expression $r.Runner
} else {
  $null = & sc.exe delete p2vfixFirstBoot 2>&1
}