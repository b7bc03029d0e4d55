## p2vfix step drivers-pnputil: installs the drivers apply staged under Windows\Drivers\p2vfix
## (src/drivers/install-plan.ts) with pnputil -i -a, the syntax Windows 7 to 11 accept
## (pnputil /add-driver is Windows 10+ only); exit 3010 is success with a restart needed. The
## step exits with the number of INFs that failed. See src/firstboot/steps/install-drivers.ts.
$root = Join-Path $env:SystemRoot 'Drivers\p2vfix'
if (-not (Test-Path $root)) { Write-Output 'no staged drivers'; exit 0 }
$failed = 0
foreach ($inf in @(Get-ChildItem -Path $root -Recurse -Filter *.inf)) {
  & pnputil.exe -i -a $inf.FullName | Out-String | Write-Output
  if ($LASTEXITCODE -ne 0 -and $LASTEXITCODE -ne 3010) { $failed++ }
}
exit $failed
