*** Comments ***
The emulated board boots hark's firmware and announces itself on UART0.
Run with Renode's test runner (Renode is not part of CI; QEMU is):
    renode-test boards/mps2-an386/renode/mps2-an386.robot
    renode-test boards/mps2-an386/renode/mps2-an386.robot --variable ELF:${PWD}/.pio/build/mps2-an386/firmware.elf

*** Variables ***
${SCRIPT}                       ${CURDIR}/mps2-an386.resc
${ELF}                          ${CURDIR}/../../../build/arm/firmware/app/hark_app.elf
${UART}                         sysbus.uart0

*** Keywords ***
Create Machine
    Execute Command             $elf=@${ELF}
    Execute Script              ${SCRIPT}
    Create Terminal Tester      ${UART}    timeout=10

*** Test Cases ***
Should Boot And Say Ready
    Create Machine
    Start Emulation
    Wait For Line On Uart       READY hark
