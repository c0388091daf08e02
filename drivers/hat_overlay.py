"""The hat's device-tree overlay, written from the same pin tables the drivers use.

The overlay gives Linux what `drivers.hal` opens: `spidev0.N` on the GPIO chip select
`SPI0_CHIP_SELECT_GPIOS[N]`, the I2S port as the ALSA card `switchboard` (2 slots of 32 bits
at 8 kHz, the Pi clocking the highway), the INT lines as pulled-up inputs, RESET as an output
held high, and the HAT ID pins left to the EEPROM bus. The image build runs
`python -m drivers.hat_overlay > switchboard-hat.dts` and compiles it with `dtc -@`.

Labels are the ones in the mainline BCM2711 device tree that Debian's kernel ships.
"""

from __future__ import annotations

import sys

from drivers.hal.interfaces import PCM_CHANNELS, PCM_SAMPLE_RATE
from drivers.hat_layout import (
    ID_EEPROM_GPIOS,
    INTERRUPT_GPIOS,
    PCM_GPIOS,
    RESET_GPIO,
    SPI0_CHIP_SELECT_GPIOS,
    SPI0_DATA_GPIOS,
    HatLayout,
)

OVERLAY_NAME = "switchboard-hat"
ALSA_CARD_NAME = "switchboard"
PCM_SLOT_BITS = 32  # one 32-bit slot per channel: 4 G.711 timeslots packed in each
SPI_MAX_HZ = 1_000_000  # both chips accept far more; 1 MHz keeps long ribbon cables honest
# spidev binds only to compatibles it lists; this one is the conventional stand-in.
SPIDEV_COMPATIBLE = "rohm,dh2228fv"

# BCM2835 pin function and pull codes (brcm,bcm2835-gpio binding).
GPIO_INPUT = 0
GPIO_OUTPUT = 1
GPIO_ALT0 = 4
PULL_NONE = 0
PULL_UP = 2
GPIO_ACTIVE_LOW = 1


def _cells(values: tuple[int, ...] | list[int]) -> str:
    return "<" + " ".join(str(v) for v in values) + ">"


def overlay_source(layout: HatLayout | None = None) -> str:
    """The overlay's .dts text; `layout` narrows the INT lines to the ports it carries."""
    interrupts = (
        tuple(p.interrupt_gpio for p in layout.ports if p.interrupt_gpio is not None)
        if layout is not None
        else INTERRUPT_GPIOS
    )
    reset = layout.reset_gpio if layout is not None else RESET_GPIO
    chip_selects = SPI0_CHIP_SELECT_GPIOS
    cs_gpios = ", ".join(f"<&gpio {pin} {GPIO_ACTIVE_LOW}>" for pin in chip_selects)
    spidevs = "\n".join(
        f"""
            spidev@{n} {{
                compatible = "{SPIDEV_COMPATIBLE}";
                reg = <{n}>;
                spi-max-frequency = <{SPI_MAX_HZ}>;
                spi-cpol;
                spi-cpha;
            }};"""
        for n in range(len(chip_selects))
    )
    bit_clock = PCM_SAMPLE_RATE * PCM_CHANNELS * PCM_SLOT_BITS
    return f"""/dts-v1/;
/plugin/;

/ {{
    compatible = "brcm,bcm2711";

    fragment@0 {{
        target = <&gpio>;
        __overlay__ {{
            switchboard_spi0_pins: switchboard_spi0_pins {{
                brcm,pins = {_cells(SPI0_DATA_GPIOS)};
                brcm,function = <{GPIO_ALT0}>;
            }};
            switchboard_cs_pins: switchboard_cs_pins {{
                brcm,pins = {_cells(chip_selects)};
                brcm,function = <{GPIO_OUTPUT}>;
            }};
            switchboard_pcm_pins: switchboard_pcm_pins {{
                brcm,pins = {_cells(PCM_GPIOS)};
                brcm,function = <{GPIO_ALT0}>;
            }};
            switchboard_int_pins: switchboard_int_pins {{
                brcm,pins = {_cells(interrupts)};
                brcm,function = <{GPIO_INPUT}>;
                brcm,pull = <{PULL_UP}>;
            }};
            switchboard_reset_pin: switchboard_reset_pin {{
                brcm,pins = <{reset}>;
                brcm,function = <{GPIO_OUTPUT}>;
                brcm,pull = <{PULL_NONE}>;
            }};
            switchboard_id_pins: switchboard_id_pins {{
                brcm,pins = {_cells(ID_EEPROM_GPIOS)};
                brcm,function = <{GPIO_INPUT}>;
            }};
        }};
    }};

    fragment@1 {{
        target = <&spi>;
        __overlay__ {{
            status = "okay";
            #address-cells = <1>;
            #size-cells = <0>;
            pinctrl-names = "default";
            pinctrl-0 = <&switchboard_spi0_pins &switchboard_cs_pins>;
            cs-gpios = {cs_gpios};
{spidevs}
        }};
    }};

    fragment@2 {{
        target = <&i2s>;
        __overlay__ {{
            status = "okay";
            pinctrl-names = "default";
            pinctrl-0 = <&switchboard_pcm_pins>;
        }};
    }};

    fragment@3 {{
        target = <&i2c0>;
        __overlay__ {{
            status = "okay";
        }};
    }};

    fragment@4 {{
        target-path = "/";
        __overlay__ {{
            switchboard_playback: switchboard-playback {{
                compatible = "linux,spdif-dit";
                #sound-dai-cells = <0>;
            }};
            switchboard_capture: switchboard-capture {{
                compatible = "linux,spdif-dir";
                #sound-dai-cells = <0>;
            }};
            switchboard-sound {{
                compatible = "simple-audio-card";
                simple-audio-card,name = "{ALSA_CARD_NAME}";
                simple-audio-card,format = "i2s";
                simple-audio-card,bitclock-master = <&switchboard_cpu_dai>;
                simple-audio-card,frame-master = <&switchboard_cpu_dai>;
                /* {PCM_CHANNELS} channels x {PCM_SLOT_BITS} bits at {PCM_SAMPLE_RATE} Hz:
                   bit clock {bit_clock} Hz */
                simple-audio-card,mclk-fs = <{PCM_CHANNELS * PCM_SLOT_BITS}>;
                switchboard_cpu_dai: simple-audio-card,cpu {{
                    sound-dai = <&i2s>;
                    dai-tdm-slot-num = <{PCM_CHANNELS}>;
                    dai-tdm-slot-width = <{PCM_SLOT_BITS}>;
                }};
                simple-audio-card,codec {{
                    sound-dai = <&switchboard_playback>, <&switchboard_capture>;
                }};
            }};
        }};
    }};

    fragment@5 {{
        target-path = "/";
        __overlay__ {{
            switchboard-hat {{
                compatible = "switchboard,reference-hat";
                reset-gpios = <&gpio {reset} {GPIO_ACTIVE_LOW}>;
                interrupt-gpios = {", ".join(f"<&gpio {pin} 0>" for pin in interrupts)};
                pinctrl-names = "default";
                pinctrl-0 = <&switchboard_int_pins &switchboard_reset_pin>;
            }};
        }};
    }};
}};
"""


def main() -> int:
    sys.stdout.write(overlay_source())
    return 0


if __name__ == "__main__":
    sys.exit(main())
